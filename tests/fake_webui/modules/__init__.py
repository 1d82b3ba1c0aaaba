"""Stand-in for the host's ``modules`` package: the names an extension touches, and small fake
internals behind them. Names that exist only here are called "fake-only" where they are defined.
"""
