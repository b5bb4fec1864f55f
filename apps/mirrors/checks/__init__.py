"""The probe engine of the mirror checks: what to ask each mirror (plan), asking it
concurrently and politely (engine), and what the answers mean (evaluate).

Nothing here touches the database; apps.mirrors.services loads the plans and records
the outcomes.
"""
