"""Apps Okta itself pushes groups to (`type: okta_group_push`: Okta's own Group Push;
connectors/okta_group_push.py). grouppush keeps one PushMapping per Okta mapping (its app
group id is the mapping's id): mappings.py creates, links, pauses and removes them; poll.py
learns from Okta what Okta did (mappings made in Okta's admin console, status changes and
errors); info.py tells Okta's state. Okta pushes the members, so the member plan of such a
push is always empty and the app group's members are never read. Refusals are worded in
engine/preconditions.py, with every other app's.
"""
