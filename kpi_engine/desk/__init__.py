"""desk/: support conversations and surveys — threads of support channels turned into tickets
(conversations.py), post-conversation surveys asked and stored once (surveys.py), and the
shapes of the channel and user ids kept as data (ids.py). Channel, thread and message ids are
plain strings and a message's time a datetime given by the caller: no chat API here. Depends
on storage and the layers below.
"""
