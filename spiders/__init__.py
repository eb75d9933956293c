"""Scrapy spiders of wirecrawl: they only route requests and records between core functions."""
