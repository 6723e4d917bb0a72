module example.com/mitevil

go 1.21
