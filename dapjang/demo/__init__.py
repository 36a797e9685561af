"""The demo desk: a fictional shop's queues, agents, snippets and a few dozen tickets (issue 5, item 7).

`demo_load()` (dapjang/demo/load.py) builds it through the same services and pipeline as real use,
so what a new user sees is what Dapjang does. The data is the project's own CC0 `support-ko` set,
copied into `fixtures/` (see fixtures/README.md). Not a Django app: it owns no models.
"""
