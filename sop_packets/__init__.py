"""sop-packets: personalized second-opinion prep packets for people facing a skin cancer diagnosis.

Library API: load_profile, build_guidance, BuildOptions, build_file, run_batch.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
