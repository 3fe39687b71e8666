module github.com/portcullis/portcullis/bindings/go

go 1.22
