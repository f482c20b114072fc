"""Billing tables (public schema): price book, usage events, invoices. Filled in by the billing issue."""
