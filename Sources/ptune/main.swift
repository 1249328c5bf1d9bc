print("ptune")
