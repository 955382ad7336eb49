from fixvenue.cli.main import main

main()
