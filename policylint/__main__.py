from policylint.cli import run

run()
