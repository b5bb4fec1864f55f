"""The servers' pages: the list (servers), their condition (conditions), their bandwidth
(traffic)."""
