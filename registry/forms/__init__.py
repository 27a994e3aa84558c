"""WTForms classes: field and cross-field validation only."""
