"""Entry point of the appsvc demo service (keeps appsvc.main importable under its own name)."""
import sys

from appsvc.main import main

if __name__ == "__main__":
    sys.exit(main())
