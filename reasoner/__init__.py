"""Plain-Python reasoning core of SafetyKG: no web code lives here."""
