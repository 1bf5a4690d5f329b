"""Users, their API keys, and the collections they own or share."""
