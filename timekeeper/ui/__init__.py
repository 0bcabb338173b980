"""The operator dashboard (Textual). The core and the runtime never import this package."""
