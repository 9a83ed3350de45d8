"""Every path of the project, defined once and rooted at the project folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "SAMPLE_DIR",
    "RAW_DIR",
    "PROCESSED_DIR",
    "CONFIGS_DIR",
    "NOTEBOOKS_DIR",
    "REPORTS_DIR",
    "SAMPLE_CONFIG",
    "FLAT_CONFIG",
]

PROJECT_ROOT = Path(os.environ.get("WORKBOOK_ROOT", Path(__file__).resolve().parents[2]))
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
CONFIGS_DIR = PROJECT_ROOT / "configs"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
SAMPLE_CONFIG = CONFIGS_DIR / "sample.yaml"
FLAT_CONFIG = CONFIGS_DIR / "flat.yaml"
