"""What is stored and logged: redaction, the redacting tracker stores and the log filter."""
