"""The servers' pages: the list (servers), their health (health), their bandwidth (traffic)."""
