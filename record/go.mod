module github.com/sluicehq/sluice/record

go 1.26
