struct Bench: AsyncParsableCommand { static let configuration = CommandConfiguration(abstract: "Benchmarks.") }
import ArgumentParser
