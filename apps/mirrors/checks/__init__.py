"""The probe engine of the mirror checks: what to ask each mirror (its probe batch), asking it
concurrently and politely (engine), and what the answers mean (evaluate).

Nothing here touches the database; apps.mirrors.services loads the probe batches and records
the outcomes.
"""
