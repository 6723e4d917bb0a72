module example.com/apache2

go 1.21
