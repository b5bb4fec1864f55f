"""The mirrors' pages: the public lists and a mirror's page (lists), the volunteers' own
pages (owners, webhooks) and the staff's moderation queue (moderation)."""
