"""Changes that wait for an approver: the request bound to its plan (requests.py), the
commands that ask and decide (handlers.py), carrying an approved plan out (carry_out.py),
and the sync's removals held as one request (held_sync.py)."""
