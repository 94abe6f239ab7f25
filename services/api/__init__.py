"""The HTTP API and the pages.

``services.api.app.create_app`` serves what ``services.api.context.api_context``
builds from the backbone. Nothing is re-exported here: a module that imported
a sibling through the package would import the whole package, itself included.
"""
