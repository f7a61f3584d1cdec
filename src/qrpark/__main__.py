from qrpark.cli import main

main()
