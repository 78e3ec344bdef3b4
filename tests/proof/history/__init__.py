"""Proof suite 9: the seeded, randomised history checker (issue 11, "The checker")."""
