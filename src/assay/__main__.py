from assay.cli.main import run

run()
