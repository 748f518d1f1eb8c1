import AFKCore
