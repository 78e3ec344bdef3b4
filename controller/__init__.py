"""ambil's domain: the office (documents, codes, claims, audit) and the lane (release protocol)."""
