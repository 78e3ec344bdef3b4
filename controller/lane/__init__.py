"""The lane: its state machine, the release protocol, its journal, and its link to the office."""
