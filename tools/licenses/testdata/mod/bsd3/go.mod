module example.com/bsd3

go 1.21
