"""Pushing one group: its plan (members.py, plan.py), the app users it needs (users.py),
the app group to write into (link.py), carrying the plan out (apply.py), and the push
commands (handlers.py); tab.py answers the Push Groups tab."""
