// Command tool is a license fixture that no one imports.
package main

func main() {}
