"""WeChat QR CNN models (Apache-2.0, see LICENSE and PROVENANCE.md here)."""
