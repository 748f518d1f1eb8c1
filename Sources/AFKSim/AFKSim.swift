@main enum AFKSimMain { static func main() async { print("x") } }
