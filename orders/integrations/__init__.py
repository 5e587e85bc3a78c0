"""The outside world of orders: payment gateways and the warehouse.

Adapters only: each turns one call of ours into one call of theirs and back,
idempotent by the key it is given. They hold no rules of the store and import
nothing of it but settings.
"""
