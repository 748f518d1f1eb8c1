public enum AFKCoreVersion { public static let schema = 1 }
