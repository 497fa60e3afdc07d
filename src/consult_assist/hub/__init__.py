"""The hub: live sessions over websockets, roles and subscriptions, the store, call records."""
