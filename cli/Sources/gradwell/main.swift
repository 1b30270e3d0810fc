import GradwellHost

GradwellHost.main()
