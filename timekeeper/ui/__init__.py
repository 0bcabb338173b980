"""Everything Textual: the operator dashboard and (ui.speaker) the terminal speaker screen.

The core and the runtime never import this package.
"""
