from safetykg.api.cli import main

main()
