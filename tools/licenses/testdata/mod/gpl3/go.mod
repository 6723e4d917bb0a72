module example.com/gpl3

go 1.21
