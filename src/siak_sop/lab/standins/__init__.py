"""Lab stand-ins for the Oracle export tools (see standin.py); never installed outside a lab."""
