"""The sync side of the plugin: matching rules, provider adapters, the engine and scheduler.

Imports run one way (blueprints and admin -> sync -> models); nothing here touches HTTP views.
"""
