"""Tests of the project around the package: the documentation, the README and the
QuickStart run as written, and the installed package (the install matrix, its location)."""
