from sdga.cli import main

main()
