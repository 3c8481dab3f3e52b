"""``python -m syncgql`` runs the command line."""

from syncgql.cli import main

if __name__ == "__main__":
    main()
