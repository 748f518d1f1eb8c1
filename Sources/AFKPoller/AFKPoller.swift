import AFKCLI
@main enum AFKPollerMain { static func main() async { print("x") } }
