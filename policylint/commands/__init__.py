"""One module per subcommand: each `run(args) -> int` only orchestrates."""
