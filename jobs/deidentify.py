"""spark-submit entry point: ``spark-submit jobs/deidentify.py --config FILE [--set k=v ...]``.

Thin on purpose: all logic lives in the installed ``deid`` and ``udfs`` packages, so this file,
the ``deid run`` command and a Databricks wheel task run the same code.
"""
import sys

from deid.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
