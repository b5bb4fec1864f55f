"""Releases (apps/releases), infrastructure as code and partners (apps/partners)."""

from .api import REST_FRAMEWORK
from .base import PORTAL_URL, env

# Releases (apps/releases, issue 20): a proposed blocker is accepted at a net of this many
# +1 votes from the teams (QA, developers, release engineering), rejected at minus as many.
# The periodic task opening staged releases (`setupschedule`) runs every
# RELEASE_STAGING_CHECK_SECONDS.
RELEASE_BLOCKER_VOTES = env.int("RELEASE_BLOCKER_VOTES", default=3)
RELEASE_STAGING_CHECK_SECONDS = env.int("RELEASE_STAGING_CHECK_SECONDS", default=60)
# The rollout page's samples: one per RELEASE_ROLLOUT_SAMPLE_MINUTES from staging until
# RELEASE_ROLLOUT_DAYS after the release opened.
RELEASE_ROLLOUT_SAMPLE_MINUTES = env.int("RELEASE_ROLLOUT_SAMPLE_MINUTES", default=10)
RELEASE_ROLLOUT_DAYS = env.int("RELEASE_ROLLOUT_DAYS", default=14)
# --- Issue 21 (h-partners): infrastructure as code, partners, capacity ---
# The Puppet environment the ENC (contrib/puppet_enc.py, /api/v1/inventory/puppet/<host>/)
# gives every server.
PUPPET_ENVIRONMENT = env.str("PUPPET_ENVIRONMENT", default="production")
# The approved partner network (apps/partners): an approval lasts PARTNER_APPROVAL_DAYS; the
# daily task reminds PARTNER_REMINDER_DAYS before it lapses. E-mails link to SITE_URL.
PARTNER_APPROVAL_DAYS = env.int("PARTNER_APPROVAL_DAYS", default=365)
PARTNER_REMINDER_DAYS = env.int("PARTNER_REMINDER_DAYS", default=30)
SITE_URL = env.str("SITE_URL", default=PORTAL_URL.rstrip("/"))
# Applications to the partner network: at most this many per person (web form and API).
PARTNER_APPLY_RATE = env.str("PARTNER_APPLY_RATE", default="10/h")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner-application"] = PARTNER_APPLY_RATE
