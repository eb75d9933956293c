"""``python -m crawler`` runs the wirecrawl command line."""

from crawler.app.cli import main

if __name__ == "__main__":
    main()
